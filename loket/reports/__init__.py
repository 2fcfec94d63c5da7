"""Reports an office hands in: period figures from the ticket event log and the survey table, the SKM
report (Laporan hasil SKM), exports (XLSX, CSV), print pages and server-drawn SVG charts."""
