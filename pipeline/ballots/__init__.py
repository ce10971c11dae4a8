"""Paper ballots (SPEC §11): print the 测评表 and meeting papers, read scanned ballots."""
