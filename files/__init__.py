"""Plain file work every layer shares, with no bpy and nothing of worldsmith: atomic
outputs (``atomic``), image files and contact sheets (``images``), OpenEXR passes
(``exr``) and file digests (``digest``)."""
