"""The typed refusals of proposals and votes; each message is written for the person."""

from __future__ import annotations


class ProposalError(Exception):
    """Something about a proposal or vote that cannot be done; the message says why."""


class NotAllowed(ProposalError):
    """The person may not do this here (phase closed, not signed in, not an officer)."""


class ProposalInvalid(ProposalError):
    """A proposal's details do not make sense (empty title, negative cost, ...)."""


class VoteInvalid(ProposalError):
    """A vote's set-up does not make sense (too few options, no budget for pb, ...)."""


class VotingNotOpen(ProposalError):
    """The vote has not opened yet."""


class VotingClosed(ProposalError):
    """The vote has closed."""


class NotEligible(ProposalError):
    """The person is not among those this vote is for."""


class BallotInvalid(ProposalError):
    """The ballot names an unknown option, ranks one twice, is empty or over budget."""
