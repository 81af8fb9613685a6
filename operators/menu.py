"""Menu entries: 3D Viewport > Add > Worldsmith (so F3 finds every operator) and File > Import/Export."""

import bpy


class VIEW3D_MT_worldsmith_add(bpy.types.Menu):
    bl_idname = "VIEW3D_MT_worldsmith_add"
    bl_label = "Worldsmith"

    def draw(self, context):
        layout = self.layout
        layout.operator_context = "INVOKE_DEFAULT"
        layout.operator("worldsmith.generate", text="Scene from Sentence...", icon="OUTLINER_OB_LIGHTPROBE")
        layout.operator("worldsmith.refine", text="Refine Scene...", icon="MODIFIER")
        layout.operator("worldsmith.rebuild", text="Rebuild from DSL", icon="FILE_REFRESH")
        layout.operator("worldsmith.remove", text="Remove Worldsmith Scene", icon="TRASH")
        layout.separator()
        layout.operator("worldsmith.import_dsl", text="Import DSL...", icon="IMPORT")
        layout.operator("worldsmith.export_dsl", text="Export DSL...", icon="EXPORT")


def add_menu(self, context):
    self.layout.menu(VIEW3D_MT_worldsmith_add.bl_idname, icon="OUTLINER_OB_LIGHTPROBE")


def import_menu(self, context):
    self.layout.operator("worldsmith.import_dsl", text="Worldsmith DSL (.json)")


def export_menu(self, context):
    self.layout.operator("worldsmith.export_dsl", text="Worldsmith DSL (.json)")


MENUS = ((lambda: bpy.types.VIEW3D_MT_add, add_menu),
         (lambda: bpy.types.TOPBAR_MT_file_import, import_menu),
         (lambda: bpy.types.TOPBAR_MT_file_export, export_menu))

classes = (VIEW3D_MT_worldsmith_add,)


def register():
    for menu, fn in MENUS:
        menu().append(fn)


def unregister():
    for menu, fn in MENUS:
        menu().remove(fn)
