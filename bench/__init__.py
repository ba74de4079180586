"""`make bench` (`python -m bench`): the performance suite. See docs/performance.md."""
