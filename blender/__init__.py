"""The Blender side: a validated scene becomes Blender data (builder, assets, materials,
world, camera), renders, render-pass labels, and "build one scene and save it"
(``scene_io``). Imports bpy; nothing here runs a model."""
