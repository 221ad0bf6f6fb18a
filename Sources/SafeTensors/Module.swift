// SafeTensors — placeholder, filled in by its issue.
