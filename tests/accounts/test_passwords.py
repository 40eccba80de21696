"""Unit tests for password hashing and the strength rule."""

from townhall.accounts.passwords import (
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)


def test_hash_verifies_only_the_same_password():
    hashed = hash_password("a long enough passphrase")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "a long enough passphrase")
    assert not verify_password(hashed, "a long enough passphrasE")


def test_a_malformed_hash_is_a_mismatch_not_an_error():
    assert not verify_password("not-a-hash", "anything at all")
    assert needs_rehash("not-a-hash")


def test_short_password_is_refused_with_its_length():
    assert password_problems("short1") == [f"Use at least {MIN_LENGTH} characters."]


def test_common_password_is_refused_in_any_case():
    problems = password_problems("PASSWORD123")
    assert any("most common" in p for p in problems)


def test_repetitive_password_is_refused():
    assert any("mix" in p for p in password_problems("aaaaabbbbbaaaaa"))


def test_password_containing_email_or_name_is_refused():
    problems = password_problems("maryjones-rocks-99", email="maryjones@example.org")
    assert any("email" in p for p in problems)
    problems = password_problems("i am Priyanka really", display_name="Priyanka")
    assert any("name" in p for p in problems)


def test_a_passphrase_passes():
    assert password_problems("tangerine bicycle lantern", email="a@example.org") == []
