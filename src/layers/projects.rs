//! `projects`: one feature per pipeline project (id: the project id) with its dwellings, type,
//! tenure, stage dates, the stage it waits in on the snapshot date, days in that stage and
//! whether the statutory time limit is exceeded.

use super::{column, Cell, Column, FieldKind::*, Layer, LayerGeometry, Shape};
use crate::domain::{Dataset, Project, ProjectStage};
use crate::pipeline::{BottleneckReport, ProjectStatus};

/// One project with its status, as the columns read it.
pub struct ProjectRow {
    /// The project.
    pub project: Project,
    /// Its status on the snapshot date.
    pub status: ProjectStatus,
    /// Code of the district it lies in.
    pub district: Option<String>,
}

fn days(d: i64) -> Cell {
    Cell::Integer(d.max(0))
}

/// The fields of `projects`, in output order: the project, its status, then one date per
/// stage ([`ProjectStage::ALL`]).
pub fn columns() -> Vec<Column<'static, ProjectRow>> {
    let mut columns = vec![
        column("project_id", Text, None, "Project id", |r: &ProjectRow| {
            Cell::text(&r.project.id)
        }),
        column("name", Text, None, "Project name", |r: &ProjectRow| {
            Cell::text(&r.project.name)
        }),
        column(
            "district",
            Text,
            None,
            "Code of the district the project lies in",
            |r: &ProjectRow| r.district.as_deref().map_or(Cell::Null, Cell::text),
        ),
        column(
            "dwellings",
            Real,
            Some("dwellings"),
            "Dwellings the project builds",
            |r: &ProjectRow| Cell::Real(r.project.dwellings),
        ),
        column(
            "type",
            Text,
            None,
            "Dwelling type: smahus, flerbostadshus, specialbostad, ovrigt",
            |r: &ProjectRow| Cell::text(r.project.dwelling_type.code()),
        ),
        column(
            "tenure",
            Text,
            None,
            "Tenure: hyresratt, bostadsratt, aganderatt, okand",
            |r: &ProjectRow| Cell::text(r.project.tenure.code()),
        ),
        column(
            "appealed",
            Boolean,
            None,
            "True when the plan was appealed (överklagad)",
            |r: &ProjectRow| Cell::Boolean(r.project.appealed),
        ),
        column(
            "stage",
            Text,
            None,
            "The stage the project waits in (after its last dated milestone); null when completed or not started",
            |r: &ProjectRow| r.status.stage.map_or(Cell::Null, |s| Cell::text(s.code())),
        ),
        column(
            "completed",
            Boolean,
            None,
            "True when inflyttning (moving in) is reached",
            |r: &ProjectRow| Cell::Boolean(r.status.completed),
        ),
        column(
            "days_in_stage",
            Integer,
            Some("days"),
            "Days since the last milestone",
            |r: &ProjectRow| r.status.days_in_stage.map_or(Cell::Null, days),
        ),
        column(
            "over_limit",
            Boolean,
            None,
            "True when the wait exceeds the stage's statutory limit",
            |r: &ProjectRow| Cell::Boolean(r.status.over_limit),
        ),
        column(
            "days_over",
            Integer,
            Some("days"),
            "Days beyond the statutory limit (0 within it or without a limit)",
            |r: &ProjectRow| days(r.status.days_over),
        ),
    ];
    for stage in ProjectStage::ALL {
        columns.push(column(
            stage.code(),
            Text,
            Some("date"),
            format!("Date of {} (ISO 8601), null when not reached", stage.code()),
            move |r: &ProjectRow| {
                r.project
                    .dates
                    .get(stage)
                    .map_or(Cell::Null, |d| Cell::Text(d.to_string()))
            },
        ));
    }
    columns
}

/// The `projects` layer: the dataset's projects with their status in `report`.
pub fn layer(dataset: &Dataset, report: &BottleneckReport) -> Layer {
    let columns = columns();
    let mut layer = Layer::new(
        "projects",
        "Housing projects in the pipeline",
        format!(
            "Housing projects of {} with their stage dates, the stage each waits in on {}, \
             days in that stage, and whether the statutory time limit is exceeded.",
            dataset.name,
            report
                .as_of
                .map_or_else(|| "the snapshot date".to_string(), |d| d.to_string())
        ),
        LayerGeometry::Any,
        &columns,
    );
    for (project, status) in dataset.projects.iter().zip(&report.projects) {
        let shape = match (&project.geometry, &project.geometry_lonlat) {
            (Some(metric), Some(lonlat)) => {
                layer.shapes.push(Shape {
                    metric: metric.clone(),
                    lonlat: lonlat.clone(),
                });
                Some(layer.shapes.len() - 1)
            }
            _ => None,
        };
        let row = ProjectRow {
            project: project.clone(),
            status: status.clone(),
            district: project
                .district
                .and_then(|i| dataset.districts.get(i))
                .map(|d| d.id.clone()),
        };
        layer.features.push(super::Feature {
            id: project.id.clone(),
            shape,
            year: None,
            values: columns.iter().map(|c| c.value(&row)).collect(),
        });
    }
    layer
}
