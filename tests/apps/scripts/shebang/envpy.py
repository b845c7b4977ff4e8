#!/usr/bin/env python3
import os, sys
print("via env:", os.path.basename(sys.executable) in ("python3", "python3.11"))
print("args:", sys.argv[1:])
print("PATH:", os.environ.get("PATH"))
