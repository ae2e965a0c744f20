"""Map data for the pages and the printed result sheets (no HTTP, no folium).

* :mod:`~gazetteer.cartography.layers`: light read models of the map layers (points,
  shapes, lines) -- only the columns a layer needs;
* :mod:`~gazetteer.cartography.gcj02`: explicit WGS84/CGCS2000 <-> GCJ-02 conversion;
* :mod:`~gazetteer.cartography.sheet_grid`: the national 1:50,000 sheet grid (GB/T 13989);
* :mod:`~gazetteer.cartography.sheet_render`: the sheets drawn with matplotlib;
* :mod:`~gazetteer.cartography.sheet_cache`: rendered sheets kept as files, with the
  render pool.
"""
