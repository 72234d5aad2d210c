"""The minutes of a meeting (รายงานการประชุม): drafted from the record, edited by the
secretary in versions that are never overwritten, approved and locked (R48-R55)."""
