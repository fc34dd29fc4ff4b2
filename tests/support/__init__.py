"""Helpers the tests (and the benchmarks) share: test data, servers, browsers, fakes. Fixtures stay in conftest.py
files; these modules hold only plain functions, classes and constants."""
