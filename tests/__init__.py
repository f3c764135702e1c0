"""The project's tests. A package so that ``tests.support`` has exactly one meaning."""
