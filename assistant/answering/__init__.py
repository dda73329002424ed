"""How an answer is made: retrieve, weigh the evidence, answer or refuse, the task ledger, the
generated (llm) answers and the settings. Imports ``index`` only, never the surfaces or evaluation.
"""
