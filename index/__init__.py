"""PlanQA ingest side: load → clean → parse → chunk → embed → store.

Importing this package is cheap: models, jieba and Chroma load lazily.
"""
