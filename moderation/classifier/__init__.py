"""The trained classifier: data, pipeline, training, evaluation, artifacts."""
