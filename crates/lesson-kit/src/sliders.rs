//! `SliderFigure`: a model's figure for every position of a few sliders, computed ahead of time.
//!
//! A lesson whose model runs in virtual time (gil-sim's) can print one of these; the book's
//! preprocessor turns it into sliders and a picture that a few lines of JavaScript switch between
//! (see crates/mdbook-lesson). Every setting is computed at build time, so the page needs no
//! WebAssembly and no network: the reader moves a slider and the page shows the precomputed result.
//!
//! The producer and the page share these types, so the JSON between them cannot drift apart.

use serde::{Deserialize, Serialize};

/// Every setting of some sliders, and what the model showed for each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SliderFigure {
    /// Headline of the figure.
    pub title: String,
    pub sliders: Vec<Slider>,
    /// What each setting's figures are: "speedup", "GIL hand-overs"…
    pub labels: Vec<String>,
    /// The distinct pictures (SVG documents): settings that draw the same picture share one.
    pub pictures: Vec<String>,
    /// One entry per combination of slider positions.
    pub settings: Vec<Setting>,
    /// The slider positions the page shows first.
    pub initial: Vec<usize>,
}

/// One slider: a label and the choices it steps through, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slider {
    pub label: String,
    pub choices: Vec<String>,
}

/// What one combination of slider positions shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    /// The position of each slider, in the order of [`SliderFigure::sliders`].
    pub positions: Vec<usize>,
    /// Index into [`SliderFigure::pictures`].
    pub picture: usize,
    /// The figures shown under the picture, formatted, one per [`SliderFigure::labels`].
    pub values: Vec<String>,
}

impl SliderFigure {
    /// A figure with these sliders and figures (`labels`), and no settings yet.
    pub fn new(
        title: impl Into<String>,
        sliders: Vec<Slider>,
        labels: Vec<String>,
        initial: Vec<usize>,
    ) -> Self {
        SliderFigure {
            title: title.into(),
            sliders,
            labels,
            pictures: Vec::new(),
            settings: Vec::new(),
            initial,
        }
    }

    /// Adds what the model showed at `positions`; a picture already held is shared, not copied.
    pub fn add(&mut self, positions: Vec<usize>, picture: String, values: Vec<String>) {
        let picture = match self.pictures.iter().position(|p| *p == picture) {
            Some(index) => index,
            None => {
                self.pictures.push(picture);
                self.pictures.len() - 1
            }
        };
        self.settings.push(Setting {
            positions,
            picture,
            values,
        });
    }

    /// The setting at these slider positions, if there is one.
    pub fn setting(&self, positions: &[usize]) -> Option<&Setting> {
        self.settings.iter().find(|s| s.positions == positions)
    }

    /// How many settings the sliders can reach: the product of their choice counts.
    pub fn combinations(&self) -> usize {
        self.sliders.iter().map(|s| s.choices.len()).product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slider(label: &str, n: usize) -> Slider {
        Slider {
            label: label.into(),
            choices: (0..n).map(|i| i.to_string()).collect(),
        }
    }

    #[test]
    fn equal_pictures_are_stored_once() {
        let mut figure = SliderFigure::new("t", vec![slider("a", 3)], vec![], vec![0]);
        figure.add(vec![0], "<svg>1</svg>".into(), vec![]);
        figure.add(vec![1], "<svg>2</svg>".into(), vec![]);
        figure.add(vec![2], "<svg>1</svg>".into(), vec![]);
        assert_eq!(figure.pictures.len(), 2);
        assert_eq!(figure.setting(&[2]).map(|s| s.picture), Some(0));
        assert_eq!(figure.combinations(), 3);
    }

    #[test]
    fn round_trips_through_json() {
        let sliders = vec![slider("a", 1), slider("b", 2)];
        let mut figure = SliderFigure::new("t", sliders, vec!["speedup".into()], vec![0, 1]);
        figure.add(vec![0, 1], "<svg/>".into(), vec!["1.0×".into()]);
        let json = serde_json::to_string(&figure).unwrap();
        assert_eq!(serde_json::from_str::<SliderFigure>(&json).unwrap(), figure);
    }
}
