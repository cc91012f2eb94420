"""Results of a run (results.json, the source of truth) and the renderers built on them."""
