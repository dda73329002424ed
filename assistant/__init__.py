"""PlanQA ask side: retrieve → fuse → compose answers with exact citations; CLI surfaces."""
