#!/bin/bash
# plot.sh - draws a results folder's plots from its CSVs (being written)
exit 0
