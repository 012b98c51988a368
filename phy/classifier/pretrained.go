package classifier

import (
	"embed"
	"fmt"
	"sync"
)

// Recipe reproduces a pretrained model: `hesemcom train-classifier
// --dataset D` trains with these settings (full 60k training set).
type Recipe struct {
	Dataset string
	Config  Config
	Train   TrainConfig
}

// Recipes returns the recipes of the embedded models, one per dataset.
// The epoch counts keep each training run within about 10 minutes on 2 cores.
func Recipes() []Recipe {
	return []Recipe{
		{Dataset: "mnist", Train: TrainConfig{Epochs: 3, Seed: 1}},
		{Dataset: "fashion", Train: TrainConfig{Epochs: 4, Seed: 1}},
	}
}

// RecipeFor returns the recipe of dataset's embedded model.
func RecipeFor(dataset string) (Recipe, error) {
	for _, r := range Recipes() {
		if r.Dataset == dataset {
			return r, nil
		}
	}
	return Recipe{}, fmt.Errorf("classifier: no recipe for dataset %q (mnist, fashion)", dataset)
}

//go:embed models
var modelFS embed.FS

var pretrained struct {
	sync.Mutex
	m map[string]*Model
}

// Pretrained returns the embedded model for dataset ("mnist" or "fashion"),
// loaded and validated once. The returned model is shared: Clone it before
// use on another goroutine.
func Pretrained(dataset string) (*Model, error) {
	pretrained.Lock()
	defer pretrained.Unlock()
	if m := pretrained.m[dataset]; m != nil {
		return m, nil
	}
	b, err := modelFS.ReadFile("models/" + dataset + ".hsmc")
	if err != nil {
		return nil, fmt.Errorf("classifier: no pretrained model for %q", dataset)
	}
	m, err := Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("classifier: embedded model %s: %w", dataset, err)
	}
	if pretrained.m == nil {
		pretrained.m = map[string]*Model{}
	}
	pretrained.m[dataset] = m
	return m, nil
}
