"""Demo and benchmark data for ``vermilion seed`` (plain modules, not a Django app: no models).

- ``content``: the bilingual people and note texts, composed deterministically from a
  ``random.Random``;
- ``images``: Pillow illustrations per interest (gradients, shapes, a big label) and avatars;
- ``showcase``: ``vermilion seed --demo``, a small lively site built through the real
  services (uploads, the media job, notes, follows, likes, collects, comments);
- ``bulk``: ``vermilion seed --users N --notes M``, large synthetic data sets written with
  ``bulk_create`` for benchmarks.
"""
