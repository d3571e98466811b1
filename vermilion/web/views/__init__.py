"""Server-rendered pages, one module per area. Thin: read through the same queries and
presenters as the API, write through the same services."""
