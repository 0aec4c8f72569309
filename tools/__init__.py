"""Builders of the files newsbot ships (run from a checkout with the dev extras):
`python -m tools.train_refusal` writes retrieval/answer/refusal-model.json."""
