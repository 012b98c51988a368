package sim

// PaperTableIII holds the classification accuracies (in %) of Table III of
// Meng et al., "Secure Semantic Communication With Homomorphic Encryption",
// keyed by dataset ("mnist", "fashion"), model ("model1" … "model4") and SNR
// in dB (0, 5, …, 25). The paper does not define its SNR.
var PaperTableIII = map[string]map[string]map[float64]float64{
	"mnist": {
		"model1": {0: 10.09, 5: 10.14, 10: 69.94, 15: 70.08, 20: 82.46, 25: 91.29},
		"model2": {0: 88.73, 5: 90.32, 10: 91.13, 15: 91.80, 20: 92.11, 25: 92.35},
		"model3": {0: 81.35, 5: 87.61, 10: 89.88, 15: 90.98, 20: 91.80, 25: 92.31},
		"model4": {0: 81.37, 5: 87.60, 10: 89.60, 15: 90.96, 20: 91.82, 25: 92.33},
	},
	"fashion": {
		"model1": {0: 10.00, 5: 10.03, 10: 64.52, 15: 64.54, 20: 70.08, 25: 83.08},
		"model2": {0: 80.50, 5: 81.92, 10: 82.53, 15: 83.14, 20: 83.23, 25: 83.53},
		"model3": {0: 74.39, 5: 79.49, 10: 80.18, 15: 81.70, 20: 82.08, 25: 82.42},
		"model4": {0: 74.39, 5: 79.47, 10: 80.18, 15: 81.70, 20: 82.08, 25: 82.41},
	},
}

// PaperSecondsPerImage is Table III's "Comp. Time" row (48-core Xeon w7-2495X).
var PaperSecondsPerImage = map[string]map[string]float64{
	"mnist":   {"model1": 0.4197, "model2": 0.000173, "model3": 0.000172, "model4": 73.84},
	"fashion": {"model1": 0.4236, "model2": 0.003, "model3": 0.000266, "model4": 59.23},
}

// PaperAccuracy returns the paper's accuracy in % for a point, if it has one.
func PaperAccuracy(p Point) (float64, bool) {
	v, ok := PaperTableIII[p.Dataset][p.Model][p.SNR]
	return v, ok
}
