-- Placeholder on branch issue18-serve only: version 0016 belongs to issue 17's branches. Drop this
-- file when merging (their 0016 takes its place); it changes nothing.
SELECT 1;
