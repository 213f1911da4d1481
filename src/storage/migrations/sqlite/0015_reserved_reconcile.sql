-- Reserved for issue 17 section 2 (branch issue17-reconcile adds the real 0015); this file only
-- keeps the versions contiguous on branch issue17-drain. Delete it when merging that branch.
SELECT 1;
