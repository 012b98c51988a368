// Package sim is the Monte Carlo engine of hesemcom: a sweep is a grid of
// independent points (dataset × model × channel × SNR …), each evaluated over
// a number of items (images) and noise realisations. The work is cut into
// units of (point, realisation, chunk of items) that run on all cores, or on
// one shard of a cluster job array, with seeds derived from (run seed, point,
// realisation, item) only — so results are bit-identical whatever the core
// count or sharding, and partial results merge exactly (counts, not averages).
//
// Results carry accuracies with 95 % Wilson intervals and are written as JSON
// (full detail), CSV (one row per point), a Markdown table laid out like the
// paper's Table III with the paper's numbers beside ours, and PNG plots.
//
// sim knows nothing of the domain: it imports the standard library, errgroup,
// gonum/plot and internal leaves. sim/link supplies the evaluators.
package sim
