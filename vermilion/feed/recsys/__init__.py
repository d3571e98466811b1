"""The discover feed's recommender, as a plain Python/numpy library.

No Django here: the platform's background jobs and the offline benchmark
(``bench/recsys_eval.py``) call the same functions, so what the benchmark measures is what
the feed serves. The pipeline, in the order a request sees it:

1. ``interactions`` turns logged events into a weighted, time-decayed user x item matrix.
2. Precomputed by jobs, read by key at request time:
   ``itemknn`` (co-engagement and embedding neighbour lists per item), ``als`` (matrix
   factors and each user's top-N), ``popularity`` (trending lists and per-item scores).
3. ``candidates`` gathers a bounded number of notes per source for one user.
4. ``ranker`` scores each candidate on several outcomes (like, collect, comment, long dwell,
   hide) and blends them; a heuristic until it has been trained on logged outcomes.
5. ``rerank`` enforces the feed's rules (nothing seen twice, author spacing, topic spread);
   ``exploration`` gives fresh notes a bounded share of slots by Thompson sampling.

``pipeline`` wires these together: ``build_snapshot`` (the job), ``recommend`` (the request)
and ``replay_examples`` (the ranker's training rows). ``metrics`` holds the offline
measures (Recall, NDCG, hit rate, catalogue coverage).
Everything random takes a seed or a ``numpy.random.Generator``.
"""
