"""The shared harness's fixtures (tests/harness/fixtures.py) for every test folder."""

pytest_plugins = ["tests.harness.fixtures"]
