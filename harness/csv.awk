# csv.awk - reading the bench's CSVs in awk (mawk and gawk): quoted fields may hold commas
#
# plot.sh and the tests load it with -f before their own program. A field is either bare (no
# comma, no quote) or quoted, "..." with "" for a quote inside; no field spans lines.

# csv_split(LINE, F): splits one CSV line into F[1..n] (quotes removed, "" made "), returns n.
# A quote left open takes the rest of the line.
function csv_split(line, f,    n, i, c, len, field, quoted) {
	for (i in f) delete f[i]
	sub(/\r$/, "", line)
	n = 0; len = length(line); i = 1
	while (1) {
		field = ""; quoted = 0
		if (substr(line, i, 1) == "\"") {
			quoted = 1; i++
			while (i <= len) {
				c = substr(line, i, 1)
				if (c == "\"") {
					if (substr(line, i + 1, 1) == "\"") { field = field "\""; i += 2; continue }
					i++; break
				}
				field = field c; i++
			}
		}
		while (i <= len && (c = substr(line, i, 1)) != ",") {
			field = field c; i++
		}
		f[++n] = field
		if (i > len) break
		i++
	}
	return n
}

# csv_header(LINE): reads a header line into the global COL[name] = index (forgetting the previous
# file's); returns the number of columns
function csv_header(line,    h, n, i) {
	for (i in COL) delete COL[i]
	n = csv_split(line, h)
	for (i = 1; i <= n; i++) COL[h[i]] = i
	return n
}

# csv_get(F, NAME): the field of column NAME in F (split with csv_split), "" if there is no NAME
function csv_get(f, name) {
	return (name in COL) ? f[COL[name]] : ""
}
