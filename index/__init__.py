"""PlanQA's index: load → clean → parse → chunk → embed → store, and the read side (PlanIndex).
Imports nothing of ``assistant``; importing it is cheap (models, jieba and Chroma load lazily).
"""
