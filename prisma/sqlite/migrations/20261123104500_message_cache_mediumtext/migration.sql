-- SQLite TEXT has no length limit: nothing to change (the MySQL side widens envelope and body_structure).
SELECT 1;
