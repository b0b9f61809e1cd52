# stats.awk - the statistics the bench's summaries share, as awk functions (mawk and gawk)
#
# bench.sh puts this text before each summary's awk program ("$AWK_STATS"'...'); plot.sh and the
# tests load it with -f. Lists are arrays list[1..n]; distributions are arrays keyed by name.
# Every local is a parameter after the extra blanks, as awk wants; nothing here changes the
# caller's arrays. paired_verdict also sets the globals pm, p25 and p75; over_rounds q25, q75
# and nq.

# quantile(LIST, N, Q): the Q-quantile (0 <= Q <= 1) of LIST[1..N] with linear interpolation
# between the order statistics (position 1 + (N - 1) Q; R's and numpy's default); "" when N < 1.
# An insertion sort: portable to mawk (no asort), and the lists are rounds, a few dozen at most.
function quantile(list, n, q,    sorted, i, j, x, pos, lo) {
	if (n < 1) return ""
	for (i = 1; i <= n; i++) {
		x = list[i]
		for (j = i - 1; j >= 1 && sorted[j] > x; j--) sorted[j + 1] = sorted[j]
		sorted[j + 1] = x
	}
	pos = 1 + (n - 1) * q; lo = int(pos)
	return lo >= n ? sorted[n] : sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo])
}

# median(LIST, N): the middle value of LIST[1..N], the mean of the two middle ones when N is even
function median(list, n) {
	return quantile(list, n, 0.5)
}

# over_rounds(A, KEY, NROUND): the median of A[KEY, r] over the rounds r = 1..NROUND that have
# one ("" if none); sets the globals q25 and q75 (its quartiles) and nq (how many rounds)
function over_rounds(a, key, nround,    r, x) {
	nq = 0
	for (r = 1; r <= nround; r++) if ((key, r) in a) x[++nq] = a[key, r]
	if (!nq) { q25 = ""; q75 = ""; return "" }
	q25 = quantile(x, nq, 0.25); q75 = quantile(x, nq, 0.75)
	return quantile(x, nq, 0.5)
}

# meets(V, CMP, TARGET): whether V CMP TARGET holds, CMP one of <, <=, >, >= (anything else: <=)
function meets(v, cmp, target) {
	return cmp == "<" ? v < target : cmp == ">" ? v > target : cmp == ">=" ? v >= target : v <= target
}

# paired_verdict(Q, N, CMP, TARGET): sets pm, p25 and p75 (formatted) from the paired ratios
# Q[1..N]; PASS if even the quartile farther from "CMP TARGET" meets it (p75 for < and <=, p25
# for > and >=), FAIL if even the nearer one misses it, else within noise
function paired_verdict(q, n, cmp, target,    far, near) {
	pm = sprintf("%.3f", quantile(q, n, 0.5))
	p25 = sprintf("%.3f", quantile(q, n, 0.25))
	p75 = sprintf("%.3f", quantile(q, n, 0.75))
	far = cmp ~ /^>/ ? p25 : p75
	near = cmp ~ /^>/ ? p75 : p25
	if (meets(far + 0, cmp, target + 0)) return "PASS"
	if (!meets(near + 0, cmp, target + 0)) return "FAIL"
	return "within noise: the paired median is " pm
}

# tvd(P, Q): the total variation distance of two distributions given as arrays keyed by name
# (a method's share or count of samples): each is normalised to sum 1, then
# 1/2 * sum over the union of names of |p - q|, from 0 (the same) to 1 (disjoint). A name one
# side lacks counts as 0 there. -1 (no distance is negative) when either side is empty, sums
# to 0 or less, or has a negative weight.
function tvd(p, q,    k, sp, sq, d, x) {
	sp = 0; sq = 0
	for (k in p) { if (p[k] < 0) return -1; sp += p[k] }
	for (k in q) { if (q[k] < 0) return -1; sq += q[k] }
	if (sp <= 0 || sq <= 0) return -1
	d = 0
	for (k in p) {
		x = p[k] / sp - ((k in q) ? q[k] / sq : 0)
		d += x < 0 ? -x : x
	}
	for (k in q)
		if (!(k in p)) d += q[k] / sq
	return d / 2
}
