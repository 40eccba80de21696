"""The one error the backup raises: its message is for the person running the command."""


class BackupError(Exception):
    """An export or import cannot go ahead; the message says why in the user's terms."""
