"""Locally built stand-ins for what cannot be downloaded here: synthetic datasets in the
official formats, tiny tokenizers and models, a tiny BERT and a tiny UMLS knowledge base."""
