import { Module } from '@nestjs/common';
import { PagesModule } from '../pages/pages.module';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminTokenService } from './admin-token.service';

/** Bearer-token authentication of the settings API (used by the settings and connect features). */
@Module({
  imports: [PagesModule],
  providers: [AdminTokenService, AdminAuthGuard],
  exports: [AdminTokenService, AdminAuthGuard, PagesModule],
})
export class AdminAuthModule {}
