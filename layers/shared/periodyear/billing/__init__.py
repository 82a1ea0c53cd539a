"""The billing runs: plan a run, bill each tenant, report a summary."""
