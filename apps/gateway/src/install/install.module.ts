import { Module } from '@nestjs/common';
import { PagesModule } from '../pages/pages.module';
import { InstallController } from './install.controller';
import { InstallService } from './install.service';

@Module({ imports: [PagesModule], controllers: [InstallController], providers: [InstallService] })
export class InstallModule {}
