"""Map rendering with folium: pure functions from domain data to ``folium.Map``."""
