"""The home page: what is open on the town hall now."""
