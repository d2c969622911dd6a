"""The Falcon web layer: JSON API and HTML pages over search.py."""
