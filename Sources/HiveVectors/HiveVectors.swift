// HiveVectors: filled in by its issue; this file only keeps the target buildable until then.
