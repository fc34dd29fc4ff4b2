"""Presentation logic shared by the pages: view state (URL), chart, tables, cached data access."""
