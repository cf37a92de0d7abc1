"""Speed benchmarks, kept out of the test suite (tests never time anything)."""
