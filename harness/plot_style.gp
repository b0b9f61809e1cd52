# plot_style.gp - what every plot shares: the terminal (fmt: svg or pngcairo), size, font, grid, key
#
# Loaded by each plot_NAME.gp after its generated setup.gp; plot.sh sets fmt, outfile, datadir
# and harness. Text is never "enhanced": names such as tb_call_hook print as they are.
if (!exists("width")) width = 1000
if (!exists("height")) height = 620
if (fmt eq "svg") {
	set terminal svg size width, height dynamic noenhanced font "DejaVu Sans,12" \
		background rgb "white"
} else {
	set terminal pngcairo size width, height noenhanced font "DejaVu Sans,10" \
		background rgb "white"
}
set output outfile
set datafile separator "\t"
set datafile missing "NaN"
set border 3 lc rgb "#444444"
set tics nomirror
set grid lc rgb "#e4e4e4" lw 1 dt 1
set key below center horizontal noenhanced spacing 1.1 samplen 2.5 maxrows 3
set bars small
set pointsize 1.1
