"""The API's endpoints, one module per part of the town hall."""
