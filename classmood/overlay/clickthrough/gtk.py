"""Click-through with GTK 3 (pywebview's ``gtk`` backend; ``window.native`` is its
Gtk.Window): an empty input shape (``input_shape_combine_region`` with an empty cairo
region), so the X server delivers every click to the window below."""

from __future__ import annotations


def make_click_through(native) -> bool:
    """Give the Gtk.Window ``native`` an empty input shape; True when done."""
    import cairo

    region = cairo.Region()  # empty: no pixel of the window takes input
    native.set_accept_focus(False)
    # GtkWidget keeps the shape and applies it again whenever the window is realized
    native.input_shape_combine_region(region)
    gdk_window = native.get_window()
    if gdk_window is not None:
        gdk_window.input_shape_combine_region(region, 0, 0)
    return True
