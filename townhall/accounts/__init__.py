"""Accounts: people, their roles, sign-up, sign-in and password reset."""
