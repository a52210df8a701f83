"""Reports: monthly rollups kept from the table's stream, funnels, recognition and partner health."""
