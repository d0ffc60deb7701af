// temporary: lets the package build until the readers land (removed by the integrator)
