#!/usr/bin/python3
import sys
print("hello from python", sys.version_info[:2] >= (3, 0))
print("argv[1:] =", sys.argv[1:])
print("argv[0] basename =", sys.argv[0].rsplit("/", 1)[-1])
