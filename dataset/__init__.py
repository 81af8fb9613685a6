"""Datasets: batches of labelled scenes from a prompts file (inputs, on-disk store,
workers), instance masks and COCO."""
