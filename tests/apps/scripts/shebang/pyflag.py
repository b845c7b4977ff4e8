#!/usr/bin/python3 -S
import sys
print("no site:", "site" not in sys.modules)
print("flags.no_site =", sys.flags.no_site)
print(sum(range(101)))
