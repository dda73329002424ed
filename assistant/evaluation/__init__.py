"""How the answering room is measured and fitted: ``planqa eval``, ``fit``, ``bench`` and their
reports. Imports ``assistant.answering`` and ``index``, never the surfaces.
"""
